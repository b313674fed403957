"""Reviews of completed swaps, the reviewee's reply, and the rating aggregate."""
