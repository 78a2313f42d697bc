"""Jovie-shaped database: models (schema), engines (engine), migrations (migrate), check."""
