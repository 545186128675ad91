"""The participant registry (``participants.yaml``): gemeenten and samenwerkingsverbanden in the benchmark."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MODULES = ("wi_basis", "wi_verdiepend", "armoede_schulden", "statushouders")
GEMEENTE_ID = re.compile(r"^GM\d{4}$")
SAMENWERKINGSVERBAND_ID = re.compile(r"^SV-[A-Za-z0-9][A-Za-z0-9_-]*$")
_FIELDS = {"id", "name", "gemeenten", "modules", "publish_consent", "kis_consent", "reporting", "references"}


class RegistryError(ValueError):
    """participants.yaml is not valid; each problem names the entry and the field."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))

    def __reduce__(self):
        return type(self), (self.path, self.problems)


@dataclass(frozen=True)
class Participant:
    """A gemeente (id = its CBS code) or a samenwerkingsverband (id starts with SV-) in the benchmark."""

    id: str
    name: str
    gemeenten: tuple[str, ...]
    modules: tuple[str, ...]
    publish_consent: bool = False
    kis_consent: bool = False
    reporting: int | None = None
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_samenwerkingsverband(self) -> bool:
        return self.id.startswith("SV-")

    @property
    def reports_only_as_whole(self) -> bool:
        """A samenwerkingsverband with reporting option 3: one unit, its gemeenten never shown on their own."""
        return self.reporting == 3


@dataclass(frozen=True)
class Registry:
    participants: tuple[Participant, ...]

    def __getitem__(self, participant_id: str) -> Participant:
        for participant in self.participants:
            if participant.id == participant_id:
                return participant
        raise KeyError(participant_id)

    def __contains__(self, participant_id: object) -> bool:
        return any(p.id == participant_id for p in self.participants)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.participants]

    def gemeenten_by_participant(self) -> dict[str, tuple[str, ...]]:
        return {p.id: p.gemeenten for p in self.participants}


def load_registry(path: Path) -> Registry:
    """Read and validate ``participants.yaml``; refuse it whole, naming every bad entry and field."""
    if not path.exists():
        raise RegistryError(path, ["the participant registry does not exist (run 'divobench demo' or create it)."])
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RegistryError(path, [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}."]) from None
    if not isinstance(document, dict) or not isinstance(document.get("participants"), list):
        raise RegistryError(path, ["the file must have a top-level list 'participants'."])
    problems: list[str] = []
    numbered = []
    for index, entry in enumerate(document["participants"], start=1):
        participant = _parse_entry(index, entry, problems)
        if participant:
            numbered.append((index, participant))
    _check_across_entries(numbered, problems)
    if problems:
        raise RegistryError(path, problems)
    return Registry(tuple(p for _, p in numbered))


def _parse_entry(index: int, entry: object, problems: list[str]) -> Participant | None:
    if not isinstance(entry, dict):
        problems.append(f"entry {index}: must be a mapping with at least id, name and gemeenten.")
        return None
    pid = entry.get("id")
    where = f"entry {index} ({pid})" if isinstance(pid, str) else f"entry {index}"
    before = len(problems)

    def problem(field_name: str, message: str) -> None:
        problems.append(f"{where}, field '{field_name}': {message}")

    for unknown in sorted(set(entry) - _FIELDS):
        problem(unknown, f"unknown field (known fields: {', '.join(sorted(_FIELDS))}).")
    if not isinstance(pid, str) or not (GEMEENTE_ID.match(pid) or SAMENWERKINGSVERBAND_ID.match(pid)):
        problem("id", "must be a CBS gemeentecode like GM0363 or a samenwerkingsverband id starting with SV- "
                      "(letters, digits, '-' and '_' only).")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        problem("name", "is required and must be text.")
    gemeenten = entry.get("gemeenten")
    if not isinstance(gemeenten, list) or not gemeenten:
        problem("gemeenten", "is required: a list of CBS gemeentecodes like [GM0363].")
        gemeenten = []
    else:
        for code in gemeenten:
            if not isinstance(code, str) or not GEMEENTE_ID.match(code):
                problem("gemeenten", f"{code!r} is not a CBS gemeentecode like GM0363.")
        if len(set(gemeenten)) != len(gemeenten):
            problem("gemeenten", "lists a gemeente more than once.")
    if isinstance(pid, str) and GEMEENTE_ID.match(pid) and gemeenten and gemeenten != [pid]:
        problem("gemeenten", f"a gemeente participates for itself only: expected [{pid}].")
    modules = entry.get("modules", ["wi_basis"])
    if not isinstance(modules, list) or any(m not in MODULES for m in modules):
        problem("modules", f"must be a list drawn from {', '.join(MODULES)}.")
        modules = []
    for flag in ("publish_consent", "kis_consent"):
        if not isinstance(entry.get(flag, False), bool):
            problem(flag, "must be true or false.")
    reporting = entry.get("reporting")
    is_sv = isinstance(pid, str) and pid.startswith("SV-")
    if is_sv:
        reporting = 2 if reporting is None else reporting
        if reporting not in (2, 3):
            problem("reporting", "must be 2 (per gemeente and as a whole) or 3 (only as a whole).")
    elif reporting is not None:
        problem("reporting", "applies to a samenwerkingsverband (SV-...) only.")
    references = entry.get("references", {}) or {}
    if not isinstance(references, dict):
        problem("references", "must map a selection name to a list of participant ids.")
        references = {}
    for ref_name, ref_ids in references.items():
        if not isinstance(ref_ids, list) or not all(
                isinstance(r, str) and (GEMEENTE_ID.match(r) or SAMENWERKINGSVERBAND_ID.match(r)) for r in ref_ids):
            problem("references", f"selection {ref_name!r} must be a list of participant ids.")
    if len(problems) > before:
        return None
    return Participant(
        id=pid, name=name.strip(), gemeenten=tuple(gemeenten), modules=tuple(modules),
        publish_consent=entry.get("publish_consent", False), kis_consent=entry.get("kis_consent", False),
        reporting=reporting if is_sv else None,
        references={k: tuple(v) for k, v in references.items()},
    )


def _check_across_entries(numbered: list[tuple[int, Participant]], problems: list[str]) -> None:
    seen_ids: dict[str, int] = {}
    owner: dict[str, str] = {}
    for index, participant in numbered:
        if participant.id in seen_ids:
            problems.append(f"entry {index} ({participant.id}), field 'id': the same id as entry "
                            f"{seen_ids[participant.id]}.")
        seen_ids.setdefault(participant.id, index)
        for code in participant.gemeenten:
            if code in owner and owner[code] != participant.id:
                problems.append(f"entry {index} ({participant.id}), field 'gemeenten': {code} already belongs to "
                                f"{owner[code]}; a gemeente belongs to at most one participant at a time.")
            owner.setdefault(code, participant.id)


def write_registry(path: Path, participants: list[dict]) -> None:
    path.write_text(yaml.safe_dump({"participants": participants}, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
