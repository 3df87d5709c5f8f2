"""Audio in and out: files, the microphone, and sinks for spoken replies.

Everything after the microphone works on 16 kHz mono; ``read_audio`` brings
any file there. sounddevice (and PortAudio) are imported only when a device is
opened, so file-based use needs neither.
"""

from edge.audio.devices import DeviceInfo, list_input_devices, list_output_devices
from edge.audio.dsp import StreamResampler, resample, to_float32, to_int16
from edge.audio.files import FRAME_SAMPLES, SAMPLE_RATE, read_audio, write_wav
from edge.audio.mic import MicSource
from edge.audio.sinks import NullSink, Player, SpeakerSink, WavSink

__all__ = [
    "FRAME_SAMPLES",
    "SAMPLE_RATE",
    "DeviceInfo",
    "MicSource",
    "NullSink",
    "Player",
    "SpeakerSink",
    "StreamResampler",
    "WavSink",
    "list_input_devices",
    "list_output_devices",
    "read_audio",
    "resample",
    "to_float32",
    "to_int16",
    "write_wav",
]
