"""Reports of any member content, the moderation queue and its actions, support tickets."""
