"""Chart builders: pure functions from aggregated rows to plotly figures (template "wellpath")."""
