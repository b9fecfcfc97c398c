"""Hypothesis strategies for mallcore's domain types.

House style follows Hypothesis: plural nouns, ``min_value``/``max_value`` and
``min_size``/``max_size``, defaults that generate every valid value. Types are
also registered with ``st.from_type`` through the ``hypothesis`` entry point.
"""

from mallcore.testing.strategies._money import amounts, currencies

__all__ = ["amounts", "currencies"]
