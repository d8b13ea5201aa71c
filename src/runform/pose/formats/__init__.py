"""One module per pose file format; :mod:`runform.pose.readers` picks the right one.

- :mod:`.csv_contract` — the pose CSV interchange contract (read and write);
- :mod:`.runform_json` — runform's own lossless JSON, ``runform.pose/1`` (read and write);
- :mod:`.rtmpose` — RTMPose Halpe-26 JSON (read);
- :mod:`.openpose` — a folder of OpenPose BODY_25 per-frame JSON files (read);
- :mod:`.opensim` — OpenSim TRC marker files (read and write; 2-D keypoint TRCs from
  Sports2D/Pose2Sim as a pose track) and ``.mot``/``.sto`` motion and force files (read).
"""
