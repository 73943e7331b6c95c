"""Programme steering: focus areas, alliances, execution programmes, goals on monitor indicators, measures,
progress, blockages and experiments, kept in an operational database beside the warehouse."""
