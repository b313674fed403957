"""Input and output serializers of the exchanges API."""
