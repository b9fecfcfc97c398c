"""mallcore.catalog (being built)."""

__all__: list[str] = []
