"""Input and output serializers of the accounts API."""
