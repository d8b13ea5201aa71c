"""Film → pose: pose readers and writers, video decoding and pose backends.

Readers and writers of pose files live in :mod:`runform.pose.readers`::

    from runform.pose.readers import read_pose, write_pose_csv, write_pose_json

This package module stays free of heavy imports (MediaPipe, PyAV) so that reading a pose
file never loads a video stack.
"""
