"""Gait → form metrics: the catalogue, angle series, per-step metrics and summaries."""
