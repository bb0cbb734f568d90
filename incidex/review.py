"""A reviewer's hand on the merge: split an incident's reports into two incidents, or merge
incidents into one.

Both recompute the merged fields of every incident they touch with the same rules as an
ingest (:func:`incidex.merge.reconcile`), keep each incident's earlier corrections (its
``fields["reviewed"]``), and record a review (who, when, before and after, including the
reports moved) in one transaction. An incident merged away keeps its uid, reviews and history
with ``merged_into`` set, so old links still resolve; it leaves lists, exports and the
candidates later ingests merge into. Field corrections are :meth:`Store.review_incident`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from incidex import merge
from incidex.ingest import stored_report
from incidex.store import Store, StoredIncident, StoredReport, StoreError


def _fields(reports: Sequence[StoredReport]) -> dict:
    return merge.reconcile([stored_report(r) for r in reports]).fields


def _live(store: Store, incident_id: int) -> StoredIncident:
    inc = store.get_incident(incident_id)
    if inc.merged_into is not None:
        into = store.get_incident(inc.merged_into).incident_uid
        raise StoreError(f"incident {inc.incident_uid} was merged into {into}; review that one")
    return inc


def correct_incident(
    store: Store, incident_id: int, corrections: dict, *, reviewer: str, at: dt.datetime
) -> StoredIncident:
    """Set fields by hand (see :meth:`Store.review_incident`); not on an incident merged away."""
    with store.transaction():
        inc = _live(store, incident_id)
        return store.review_incident(inc.id, corrections, reviewer=reviewer, at=at)


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
