"""Input and output serializers of the messaging API."""
