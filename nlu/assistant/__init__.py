"""The help-desk assistant around a model: knowledge base, routes, replies, conversations."""
