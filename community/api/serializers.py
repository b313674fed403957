"""Input and output serializers of the community API."""
