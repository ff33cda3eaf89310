"""Credentials: API keys; partner, portal and OAuth2 tokens build on Principal."""
