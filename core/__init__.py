"""The bottom layer: small helpers every app may use, with no models and no import of ours."""
