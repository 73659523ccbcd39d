"""The Qt console. The only package that imports PySide6."""
