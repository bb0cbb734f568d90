"""A reviewer's hand on the merge: split an incident's reports into two incidents, or merge
incidents into one.

Both recompute the merged fields of every incident they touch with the same rules as an
ingest (:func:`incidex.merge.reconcile`), keep each incident's earlier corrections (its
``fields["reviewed"]``), and record a review (who, when, before and after, including the
reports moved) in one transaction. An incident merged away keeps its uid, reviews and history
with ``merged_into`` set, so old links still resolve; it leaves lists, exports and the
candidates later ingests merge into. Field corrections are :meth:`Store.review_incident`,
checked first against :class:`Corrections`: one typed, range-checked entry per field a
reviewer may set, the values of coded fields taken from :mod:`incidex.vocabulary`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from incidex import merge, vocabulary
from incidex.ingest import stored_report
from incidex.store import Store, StoredIncident, StoredReport, StoreError

#: The largest casualty figure a correction may name (more than any act has had).
MAX_COUNT = 10_000_000
#: Characters of a corrected name (place, province, perpetrator): the longest real ones are
#: under 100; a bound keeps a pasted page out of every list and export.
MAX_NAME = 300
#: The earliest date a correction may give: older acts are history, not news reports.
EARLIEST = dt.date(1900, 1, 1)


def _plain(value: str) -> str:
    # NUL is refused by PostgreSQL, lone surrogates by every encoder, and other control
    # characters have no place in a name; say so rather than fail in the database.
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("holds a control character or a lone surrogate; give plain text")
    return value


@dataclass(frozen=True)
class _OneOf:
    """Marks a string that must be one of ``values()`` (read when first needed, so that
    importing this module loads nothing); the schema lists them as its enum, and so does the
    error with ``list_them``."""

    values: Callable[[], Collection[str]]
    what: str
    list_them: bool = True

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["enum"] = sorted(self.values())
        return out

    def _check(self, value: str) -> str:
        if value not in self.values():
            choices = f"; one of: {', '.join(sorted(self.values()))}" if self.list_them else ""
            raise ValueError(f"not {self.what}{choices}")
        return value


def _in_range(value: dt.date) -> dt.date:
    latest = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)  # a day ahead: time zones
    if not EARLIEST <= value <= latest:
        raise ValueError(f"must lie between {EARLIEST} and {latest}")
    return value


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME), AfterValidator(_plain)
]
Figure = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]
EventType = Annotated[str, _OneOf(lambda: tuple(vocabulary.acled_types()), "an ACLED event type")]
SubEventType = Annotated[str, _OneOf(vocabulary.sub_event_types, "an ACLED sub-event type")]
TargetType = Annotated[str, _OneOf(vocabulary.target_types, "a target type of the guide")]
Weapon = Annotated[str, _OneOf(vocabulary.weapons, "a weapon type of the guide")]
CountryCode = Annotated[
    str,
    _OneOf(
        vocabulary.country_codes,
        "an ISO 3166-1 alpha-2 country code (two capitals, e.g. NG)",
        list_them=False,
    ),
]


class Count(BaseModel):
    """A corrected figure as a range; ``best``, when not given, is ACLED's conservative one
    (the low figure, else the high)."""

    model_config = ConfigDict(extra="forbid")

    low: Figure | None = None
    high: Figure | None = None
    best: Figure | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Count:
        if self.low is None and self.high is None:
            raise ValueError("give low or high (or null for no figure)")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


def _figure_as_count(value: Any) -> Any:
    """A bare figure ``n`` is the range ``{low: n, high: n}``."""
    if value is None or isinstance(value, Mapping | Count):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return {"low": value, "high": value}
    raise ValueError("give a number, {low, high, best} or null")


#: A casualty figure: a number, or a range ``{low, high, best}``.
Casualties = Annotated[
    Count | None,
    BeforeValidator(_figure_as_count),
    Field(description="a number n (the range n to n), or {low, high, best}; null: no figure"),
]


class Corrections(BaseModel):
    """What a reviewer sets on an incident: any of these fields, each checked. ``null`` clears
    a field where the field can be empty; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    event_type: EventType | None = None
    sub_event_type: SubEventType | None = Field(
        default=None, description="of the event type, when both are given"
    )
    date: Annotated[dt.date, AfterValidator(_in_range)] | None = Field(default=None, description="YYYY-MM-DD")
    place: Name | None = None
    admin1: Name | None = None
    country: CountryCode | None = None
    latitude: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    killed: Casualties = None
    wounded: Casualties = None
    perpetrator: Name | None = None
    claimed: StrictBool | None = None
    target_type: TargetType = vocabulary.UNKNOWN
    weapon: Weapon = vocabulary.UNKNOWN
    not_incident: StrictBool = Field(default=False, description="true: the machine misread; not an act")

    @model_validator(mode="after")
    def _coherent(self) -> Corrections:
        if not self.model_fields_set:
            raise ValueError("give at least one field to correct")
        if {"event_type", "sub_event_type"} <= self.model_fields_set and self.sub_event_type is not None:
            subs = vocabulary.acled_types().get(self.event_type or "", ())
            if self.sub_event_type not in subs:
                raise ValueError(
                    f"sub_event_type {self.sub_event_type!r} does not belong to event type "
                    f"{self.event_type!r} (its sub-event types: {', '.join(subs) or 'none'})"
                )
        return self

    def changes(self) -> dict[str, Any]:
        """The fields given, as JSON values (dates as ISO strings, figures as objects)."""
        return self.model_dump(mode="json", exclude_unset=True)


def corrections(given: Mapping[str, Any] | Corrections) -> Corrections:
    """``given`` checked as :class:`Corrections`; :class:`StoreError` naming each bad field."""
    if isinstance(given, Corrections):
        return given
    try:
        return Corrections.model_validate(dict(given))
    except ValidationError as e:
        raise StoreError("the correction is refused: " + describe(e.errors(), "fields")) from e


def describe(errors: Sequence[Mapping[str, Any]], whole: str) -> str:
    """Pydantic's errors as one line, each naming its field (``whole`` for the object)."""
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ())) or whole
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            msg = "not a field that can be set here"
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def _fields(reports: Sequence[StoredReport]) -> dict:
    return merge.reconcile([stored_report(r) for r in reports]).fields


def _live(store: Store, incident_id: int) -> StoredIncident:
    inc = store.get_incident(incident_id)
    if inc.merged_into is not None:
        into = store.get_incident(inc.merged_into).incident_uid
        raise StoreError(f"incident {inc.incident_uid} was merged into {into}; review that one")
    return inc


def correct_incident(
    store: Store,
    incident_id: int,
    fields: Mapping[str, Any] | Corrections,
    *,
    reviewer: str,
    at: dt.datetime,
) -> StoredIncident:
    """Set fields by hand (see :meth:`Store.review_incident`), each checked as
    :class:`Corrections` first; not on an incident merged away."""
    checked = corrections(fields).changes()
    with store.transaction():
        inc = _live(store, incident_id)
        return store.review_incident(inc.id, checked, reviewer=reviewer, at=at)


def split_incident(
    store: Store, incident_id: int, report_ids: Sequence[int], *, reviewer: str, at: dt.datetime
) -> StoredIncident:
    """Move ``report_ids`` (some, not all, of the incident's reports) into a new incident;
    returns the new one."""
    with store.transaction():
        inc = _live(store, incident_id)
        members = store.reports_of(inc.id)
        have = {r.id for r in members}
        moving = set(report_ids)
        if not moving:
            raise StoreError("a split needs the report ids that leave the incident")
        strangers = sorted(moving - have)
        if strangers:
            raise StoreError(
                f"reports {strangers} are not reports of incident {inc.incident_uid}; "
                f"its reports are {sorted(have)}"
            )
        if moving == have:
            raise StoreError(
                f"a split leaves at least one report behind; incident {inc.incident_uid} has {len(have)}"
            )
        stay = [r for r in members if r.id not in moving]
        go = [r for r in members if r.id in moving]
        store.move_reports(sorted(moving), None)
        new = store.create_incident(_fields(go), sorted(moving), document_id=None, at=at)
        store.revise_incident(
            inc.id,
            _fields(stay),
            reviewer=reviewer,
            at=at,
            note={"reports": [sorted(have), sorted(have - moving)], "split_into": [None, new.incident_uid]},
        )
        return store.revise_incident(
            new.id,
            new.fields,
            reviewer=reviewer,
            at=at,
            note={"reports": [[], sorted(moving)], "split_from": [None, inc.incident_uid]},
        )


def merge_incidents(
    store: Store, incident_id: int, others: Sequence[int], *, reviewer: str, at: dt.datetime
) -> StoredIncident:
    """Fold the incidents ``others`` into incident ``incident_id``; returns it. A correction
    made on one of the others survives unless the kept incident has its own for that field."""
    with store.transaction():
        kept = _live(store, incident_id)
        folded = [_live(store, o) for o in dict.fromkeys(others)]
        if not folded:
            raise StoreError("a merge needs at least one other incident")
        if any(o.id == kept.id for o in folded):
            raise StoreError(f"incident {kept.incident_uid} cannot be merged into itself")
        before = sorted(r.id for r in store.reports_of(kept.id))
        reviewed: dict = {}
        for o in folded:
            reviewed.update(o.fields.get("reviewed") or {})
            moved = [r.id for r in store.reports_of(o.id)]
            store.move_reports(moved, kept.id)
            store.revise_incident(
                o.id,
                o.fields,
                reviewer=reviewer,
                at=at,
                note={"reports": [sorted(moved), []]},
                merged_into=kept.id,
            )
        members = store.reports_of(kept.id)
        fields = _fields(members)
        if reviewed:  # revise_incident lays them, and the kept incident's own over them, on fields
            fields["reviewed"] = reviewed
        return store.revise_incident(
            kept.id,
            fields,
            reviewer=reviewer,
            at=at,
            note={
                "reports": [before, sorted(r.id for r in members)],
                "merged_from": [None, [o.incident_uid for o in folded]],
            },
        )
