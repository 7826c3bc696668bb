"""The view layer: what each page shows, computed and protected before the page sees it.

One module per page (`wellpath/views/<page>.py`), one function per page section. A view
function takes the viewer's `Scope`, the sidebar's `Filters` and the page's own choices
(keyword arguments with hashable values: numbers, strings, tuples), and returns a small
frozen dataclass of display-ready, already-protected frames, figures and sentences.

Rules (docs/architecture.md):
- read data only through `wellpath.data` (`data.query`, `data.service_query`); compute with
  the measures library (`scoring`, `stats`, `spc`, `disclosure`, `outcomes`, ...); build
  charts with `wellpath.charts`; format with `wellpath.formats`;
- in a rounded scope nothing person-level leaves a view: counts rounded, statistics about 7
  or fewer people suppressed, shares, intervals and totals from the rounded parts;
- decorate each view with `@data.cached_view`, so that a widget click that changes none of
  its inputs does not recompute it (the scope, filters, choices and the file's identity are
  its cache key);
- never import streamlit widgets here: a view returns values, the page draws them.
"""
