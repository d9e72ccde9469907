"""The hostile-input cases, by reader; scripts/make_bad_inputs.py writes them out."""
