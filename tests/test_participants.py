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
