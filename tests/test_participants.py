from pathlib import Path

import pytest

from divobench_pipeline.core.participants import RegistryError, load_registry

VALID = """\
participants:
  - id: GM0363
    name: Amsterdam
    gemeenten: [GM0363]
    modules: [wi_basis, wi_verdiepend, armoede_schulden, statushouders]
    publish_consent: false
    kis_consent: true
  - id: SV-ISD-BOLLENSTREEK
    name: ISD Bollenstreek
    gemeenten: [GM0534, GM0553, GM0575, GM1525]
    reporting: 2
    modules: [wi_basis]
    publish_consent: false
    kis_consent: false
    references:
      vergelijkbaar: [GM0537, GM0626]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "participants.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    return caught.value.problems


def test_the_example_of_the_contract_loads(tmp_path):
    registry = load_registry(write(tmp_path, VALID))
    assert registry.ids == ["GM0363", "SV-ISD-BOLLENSTREEK"]
    sv = registry["SV-ISD-BOLLENSTREEK"]
    assert sv.is_samenwerkingsverband and sv.reporting == 2
    assert sv.gemeenten == ("GM0534", "GM0553", "GM0575", "GM1525")
    assert sv.references == {"vergelijkbaar": ("GM0537", "GM0626")}
    assert registry["GM0363"].reporting is None and registry["GM0363"].kis_consent is True


@pytest.mark.parametrize(("change", "expected"), [
    (("reporting: 2", "reporting: 4"), "entry 2 (SV-ISD-BOLLENSTREEK), field 'reporting'"),
    (("[GM0534, GM0553", "[0534, GM0553"), "entry 2 (SV-ISD-BOLLENSTREEK), field 'gemeenten': 348 is not"),
    (("id: GM0363", "id: GM0363|X"), "entry 1 (GM0363|X), field 'id'"),
    (("    name: Amsterdam\n", ""), "entry 1 (GM0363), field 'name'"),
    (("kis_consent: true", "kis_consent: misschien"), "entry 1 (GM0363), field 'kis_consent'"),
    (("modules: [wi_basis]", "modules: [wi_basis, jeugd]"), "entry 2 (SV-ISD-BOLLENSTREEK), field 'modules'"),
    (("publish_consent: false\n    kis_consent: true", "publish_consent: false\n    kleur: rood"),
     "entry 1 (GM0363), field 'kleur': unknown field"),
    (("GM0575, GM1525", "GM0575, GM0363"), "entry 2 (SV-ISD-BOLLENSTREEK), field 'gemeenten': GM0363 already "
                                           "belongs to GM0363"),
    (("id: SV-ISD-BOLLENSTREEK", "id: GM0363"), "entry 2 (GM0363), field"),
    (("GM0575, GM1525", "GM0575, GM0534"), "entry 2 (SV-ISD-BOLLENSTREEK), field 'gemeenten': lists a gemeente "
                                           "more than once."),
    (("kis_consent: true", "kis_consent: true\n    reporting: 2"), "entry 1 (GM0363), field 'reporting': applies "
                                                                  "to a samenwerkingsverband (SV-...) only."),
    (("[GM0537, GM0626]", "[GM0537, Leiden]"), "entry 2 (SV-ISD-BOLLENSTREEK), field 'references': selection "
                                               "'vergelijkbaar' must be a list of participant ids."),
    (("    name: Amsterdam", "    name: '   '"), "entry 1 (GM0363), field 'name': is required and must be text."),
    (("    gemeenten: [GM0363]\n", ""), "entry 1 (GM0363), field 'gemeenten': is required"),
    (("gemeenten: [GM0363]", "gemeenten: []"), "entry 1 (GM0363), field 'gemeenten': is required"),
    (("publish_consent: false\n    kis_consent: true", "publish_consent: 1\n    kis_consent: true"),
     "entry 1 (GM0363), field 'publish_consent': must be true or false."),
])
def test_an_invalid_registry_is_refused_naming_entry_and_field(tmp_path, change, expected):
    old, new = change
    assert old in VALID
    problems = problems_of(write(tmp_path, VALID.replace(old, new, 1)))
    assert any(expected in p for p in problems), problems


def test_a_gemeente_participates_for_itself_only(tmp_path):
    problems = problems_of(write(tmp_path, VALID.replace("gemeenten: [GM0363]", "gemeenten: [GM0364]")))
    assert problems == ["entry 1 (GM0363), field 'gemeenten': a gemeente participates for itself only: "
                        "expected [GM0363]."]


def test_not_yaml_names_the_line(tmp_path):
    problems = problems_of(write(tmp_path, "participants:\n  - id: [GM0363\n"))
    assert len(problems) == 1 and "not valid YAML at line" in problems[0]


def test_a_missing_registry_is_a_clear_error(tmp_path):
    assert "does not exist" in problems_of(tmp_path / "participants.yaml")[0]


def test_every_problem_of_every_entry_is_named_at_once(tmp_path):
    text = VALID.replace("reporting: 2", "reporting: 4").replace("kis_consent: true", "kis_consent: ja") + \
        "  - plain text\n"
    assert problems_of(write(tmp_path, text)) == [
        "entry 1 (GM0363), field 'kis_consent': must be true or false.",
        "entry 2 (SV-ISD-BOLLENSTREEK), field 'reporting': must be 2 (per gemeente and as a whole) or 3 (only as a "
        "whole).",
        "entry 3: must be a mapping with at least id, name and gemeenten."]


def test_defaults_of_an_entry(tmp_path):
    registry = load_registry(write(tmp_path, """\
participants:
  - id: GM0363
    name: " Amsterdam "
    gemeenten: [GM0363]
    references:
  - id: SV-X
    name: X
    gemeenten: [GM0534, GM0553]
"""))
    amsterdam, sv = registry.participants
    assert (amsterdam.name, amsterdam.modules, amsterdam.references) == ("Amsterdam", ("wi_basis",), {})
    assert (amsterdam.publish_consent, amsterdam.kis_consent, amsterdam.reporting) == (False, False, None)
    assert sv.reporting == 2 and not sv.reports_only_as_whole and sv.gemeenten == ("GM0534", "GM0553")
