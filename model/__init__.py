"""Everything that knows a model: frames, families (prompt + parser + coordinates), backends, presets."""
