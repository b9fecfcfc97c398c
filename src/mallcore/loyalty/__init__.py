"""mallcore.loyalty (being built)."""

__all__: list[str] = []
