"""The monitor: analysis over the warehouse (areas, figures, scores, comparisons, trends, maps)."""
