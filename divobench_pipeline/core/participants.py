"""The participant registry (``participants.yaml``): gemeenten and samenwerkingsverbanden in the benchmark.

Each entry is validated by a pydantic model; every problem is reported naming the entry and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal

import pydantic
import yaml
from pydantic_core import ErrorDetails

MODULES = ("wi_basis", "wi_verdiepend", "armoede_schulden", "statushouders")
GEMEENTE_ID = re.compile(r"^GM\d{4}$")
SAMENWERKINGSVERBAND_ID = re.compile(r"^SV-[A-Za-z0-9][A-Za-z0-9_-]*$")


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
        return self._by_id[participant_id]

    def __contains__(self, participant_id: object) -> bool:
        return participant_id in self._by_id

    @cached_property
    def _by_id(self) -> dict[str, Participant]:
        return {p.id: p for p in self.participants}

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.participants]

    def gemeenten_by_participant(self) -> dict[str, tuple[str, ...]]:
        return {p.id: p.gemeenten for p in self.participants}


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 342 entries in ms instead of ~0.5 s


def load_registry(path: Path) -> Registry:
    """Read and validate ``participants.yaml``; refuse it whole, naming every bad entry and field.

    Parsed once per content: planners ask for it many times a run."""
    if not path.exists():
        raise RegistryError(path, ["the participant registry does not exist (run 'divobench demo' or create it)."])
    return _parse_registry(path, path.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _parse_registry(path: Path, text: str) -> Registry:
    try:
        document = yaml.load(text, Loader=_YAML_LOADER)
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


GemeenteCode = Annotated[str, pydantic.StringConstraints(pattern=GEMEENTE_ID.pattern)]
ParticipantId = Annotated[str, pydantic.StringConstraints(
    pattern=f"{GEMEENTE_ID.pattern}|{SAMENWERKINGSVERBAND_ID.pattern}")]
_LAX = pydantic.Field(strict=False)  # a YAML list is read as a tuple


class _Entry(pydantic.BaseModel):
    """One entry of ``participants.yaml`` as written (interfaces.md); becomes a :class:`Participant`."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True)

    id: ParticipantId
    name: Annotated[str, pydantic.StringConstraints(strip_whitespace=True, min_length=1)]
    gemeenten: Annotated[tuple[GemeenteCode, ...], pydantic.Field(min_length=1, strict=False)]
    modules: Annotated[tuple[Literal[MODULES], ...], _LAX] = ("wi_basis",)
    publish_consent: bool = False
    kis_consent: bool = False
    reporting: Literal[2, 3] | None = pydantic.Field(default=None, validate_default=True)
    references: dict[str, Annotated[tuple[ParticipantId, ...], _LAX]] = {}

    @pydantic.field_validator("gemeenten")
    @classmethod
    def _own_gemeenten(cls, gemeenten: tuple[str, ...], info: pydantic.ValidationInfo) -> tuple[str, ...]:
        if len(set(gemeenten)) != len(gemeenten):
            raise ValueError("lists a gemeente more than once.")
        pid = info.data.get("id")
        if pid and GEMEENTE_ID.match(pid) and gemeenten != (pid,):
            raise ValueError(f"a gemeente participates for itself only: expected [{pid}].")
        return gemeenten

    @pydantic.field_validator("reporting")
    @classmethod
    def _reporting_of_samenwerkingsverband(cls, reporting: int | None, info: pydantic.ValidationInfo) -> int | None:
        pid = info.data.get("id")
        if pid and pid.startswith("SV-"):
            return 2 if reporting is None else reporting
        if pid and reporting is not None:
            raise ValueError("applies to a samenwerkingsverband (SV-...) only.")
        return reporting

    @pydantic.field_validator("references", mode="before")
    @classmethod
    def _no_references(cls, references: object) -> object:
        return {} if references is None else references


_FIELDS = tuple(_Entry.model_fields)
_MESSAGES = {
    "id": "must be a CBS gemeentecode like GM0363 or a samenwerkingsverband id starting with SV- "
          "(letters, digits, '-' and '_' only).",
    "name": "is required and must be text.",
    "gemeenten": "is required: a list of CBS gemeentecodes like [GM0363].",
    "modules": f"must be a list drawn from {', '.join(MODULES)}.",
    "publish_consent": "must be true or false.",
    "kis_consent": "must be true or false.",
    "reporting": "must be 2 (per gemeente and as a whole) or 3 (only as a whole).",
    "references": "must map a selection name to a list of participant ids.",
}


def _parse_entry(index: int, entry: object, problems: list[str]) -> Participant | None:
    if not isinstance(entry, dict):
        problems.append(f"entry {index}: must be a mapping with at least id, name and gemeenten.")
        return None
    pid = entry.get("id")
    where = f"entry {index} ({pid})" if isinstance(pid, str) else f"entry {index}"
    try:
        valid = _Entry.model_validate(entry)
    except pydantic.ValidationError as error:
        messages = dict.fromkeys(f"{where}, field '{e['loc'][0]}': {_message(e)}" for e in error.errors())
        problems.extend(messages)
        return None
    return Participant(id=valid.id, name=valid.name, gemeenten=valid.gemeenten, modules=valid.modules,
                       publish_consent=valid.publish_consent, kis_consent=valid.kis_consent,
                       reporting=valid.reporting, references=valid.references)


def _message(error: ErrorDetails) -> str:
    """The sentence for one field's problem: the rule it breaks, naming the offending value where useful."""
    field_name, *inner = error["loc"]
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "extra_forbidden":
        return f"unknown field (known fields: {', '.join(sorted(_FIELDS))})."
    if field_name == "gemeenten" and inner and isinstance(inner[0], int):
        return f"{error['input']!r} is not a CBS gemeentecode like GM0363."
    if field_name == "references" and inner:
        return f"selection {inner[0]!r} must be a list of participant ids."
    return _MESSAGES[field_name]


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
