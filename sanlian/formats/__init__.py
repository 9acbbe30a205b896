"""Date formats per language (FORMAT_MODULE_PATH): ISO in English, Django's own in Chinese."""
