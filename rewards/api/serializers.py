"""Input and output serializers of the rewards API."""
