"""Credentials: API keys today; partner tokens, portal tokens and OAuth2 tokens build on Principal."""
