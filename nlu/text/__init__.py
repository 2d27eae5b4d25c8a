"""Text processing of customer messages: normalization, language, entities, masking of
personal data."""
