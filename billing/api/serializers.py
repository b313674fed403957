"""Input and output serializers of the billing API."""
