"""Pose → gait: clean the track, find the direction of travel, detect contacts and toe-offs."""
