"""Audit trail: sign-ins and failures, views of patient-level pages, downloads, user changes
and imports. Programme lead only (ui.page_header refuses every other role)."""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views.audit import AuditChoices, audit_trail

scope, filters = ui.page_header(
    "Audit trail", "every sign-in, patient-level view, download, user change and import"
)
st.caption(
    "Kept in the users and audit file beside the database. It names users, pages, practices "
    "and files, never a patient."
)
left, right = st.columns([2, 1])
labels = audit_trail(scope, filters, AuditChoices(limit=1)).event_labels
event = left.selectbox("What", labels, key="audit_event")
username = right.text_input("Who (username)", key="audit_username", max_chars=64)
trail = audit_trail(scope, filters, AuditChoices(event=event, username=username))
st.write(trail.sentence)
st.dataframe(trail.table, hide_index=True, width="stretch")
ui.download(trail.table, "audit_trail.csv")
ui.definition(
    "Each row is one event, written when it happened: a sign-in (or a failed one, or a "
    "lockout after repeated failures), a session that ended, a view of a page that lists "
    "people by pseudonym (which page, which practices, which period), a file downloaded, a "
    "user added, changed or disabled, and each import. Times are shown in the server's time "
    "zone. Nothing is ever deleted from the trail by Wellpath."
)
