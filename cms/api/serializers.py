"""Input and output serializers of the cms API."""
