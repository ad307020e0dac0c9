"""The ingest edge: the API and browser-form endpoints WordPress sites rely on."""
