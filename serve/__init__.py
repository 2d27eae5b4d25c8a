"""The HTTP service: a FastAPI app over the nlu library."""
