"""Wijkwijzer: the library of interventions and practice, and the expert pool, beside the figures."""
