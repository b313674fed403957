"""Input and output serializers of the marketplace API."""
