"""Reading a BUS-XML upload (shared/spec/bus-xml.md) into the staged BUS tables, in one streaming pass.

An upload is either rejected as a whole (:class:`UploadRejected`, with reasons a municipal employee can act on)
or accepted. In an accepted upload every value that fails its kenmerk's check is stored as *onbekend* and
reported as a signalering, as CBS does when it *gaafmaakt* a file.

The structure (nesting, order, repetition, the required Levering header, Registratienummer and Persoon) is the
one of ``bus.xsd``. It is enforced here while streaming, not by the XSD validator: libxml2 reports no line
numbers for schema errors met during ``iterparse``, its messages are English, and element aliases in
:mod:`layout` keep working this way. While streaming, values are only collected as text; each kenmerk's check
then runs once per distinct value of its column, when the file has been read.

Rules the spec leaves open, decided here:

- NadereClassificatieBbz belongs only with Statistiekcode 14, ClusterBijzondereBijstand only with 11 or 12. Such
  a value given with another statistiekcode is a signalering and stored as onbekend; when the statistiekcode is
  itself onbekend the value is kept.
- Within an Uitkering, the elements after the Registratienummer may come in any order (the spec lists
  ClusterBijzondereBijstand last, its example puts it after the Statistiekcode); each at most once.
- A Registratienummer longer than 15 characters is a signalering but kept: it is how the record is found.
  An empty Registratienummer rejects the file, like a missing one, and so does an Uitkering without Persoon.
- An EinddatumUitkering before the AanvangsdatumUitkering is stored as onbekend; the person then counts as
  lopend and needs no RedenBeeindigingUitkering.
- A date must exist and lie in 1900..2099; amounts and counts must fit the warehouse's 32-bit INTEGER.
- Codes are compared exactly as written: "1" is not Statistiekcode "01".
- Statistiekmaand is two digits (01..12), Statistiekjaar four digits from 2015.
- Attributes are a structure error, except ``versie`` (required) and ``xsi:`` attributes on BUS, as in the XSD.

A BSN is pseudonymised as soon as its Persoon has been read and never leaves this module. In signalering values
and in every reason for rejection, a run of exactly nine digits is shown as "(9 cijfers, niet getoond)" (also a
Registratienummer: some systems use the BSN as dossier number).

The modules: :mod:`stream` (the bytes and the prolog), :mod:`reader` (the streaming pass and the reasons to
reject), :mod:`values` (the check of one value), :mod:`columns` (the checks per column and the tables),
:mod:`shape` (the layout as the parser uses it), :mod:`messages` (what is said to a person).

Line numbers are libxml2's ``sourceline``. libxml2 keeps no line number above 65535 for an element itself; there
it reports the line of the element's first text, which for a group element (Uitkering, Persoon) written over
several lines is one line below its start tag. Values and the Registratienummer are exact in any file.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Collection
from typing import BinaryIO

from divobench_pipeline.defs.bus_uploads.columns import ParsedUpload
from divobench_pipeline.defs.bus_uploads.messages import (
    HIDDEN,
    MAANDEN,
    UploadRejected,
    hide_nine_digits,
    month_label,
    shown,
)
from divobench_pipeline.defs.bus_uploads.reader import Reader
from divobench_pipeline.defs.bus_uploads.stream import Source
from divobench_pipeline.defs.bus_uploads.values import bsn_valid

__all__ = ["DEFAULT_MAX_BYTES", "HIDDEN", "MAANDEN", "ParsedUpload", "UploadRejected", "bsn_valid", "hide_nine_digits",
           "month_label", "parse_bus_upload", "shown"]

DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def parse_bus_upload(source: str | os.PathLike | BinaryIO, *, pseudonymise: Callable[[str], str],
                     allowed_gemeenten: Collection[str], today: datetime.date,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedUpload:
    """Read one BUS upload; raise :class:`UploadRejected` when it must be refused as a whole.

    ``pseudonymise`` turns a valid BSN into its pseudonym; ``allowed_gemeenten`` are the GM codes the uploading
    participant may deliver for; a Statistiekmaand that starts after ``today`` is refused.
    """
    with Source.open(source, max_bytes) as stream:
        return Reader(pseudonymise, frozenset(allowed_gemeenten), today).read(stream)
