"""mallcore.orders (being built)."""

__all__: list[str] = []
