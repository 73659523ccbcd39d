; Inno Setup script: a per-user installer with a Start-menu shortcut for the folder that
; `make dist` builds on Windows (dist\csconsole). Build it on Windows with
;   iscc /DVersion=0.1.0 installers\windows\csconsole.iss
; installers/package.py passes the version from src/csconsole/__init__.py.
#ifndef Version
  #define Version "0.0.0"
#endif

[Setup]
AppId={{6B1D2E7C-6E0B-4D5B-9F0A-2C51A9C8E3D4}
AppName=csconsole
AppVersion={#Version}
AppPublisher=csconsole
DefaultDirName={localappdata}\Programs\csconsole
DefaultGroupName=csconsole
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=csconsole-{#Version}-windows-setup
SetupIconFile=..\..\resources\icons\csconsole.ico
UninstallDisplayIcon={app}\csconsole.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "..\..\dist\csconsole\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\csconsole"; Filename: "{app}\csconsole.exe"
Name: "{userdesktop}\csconsole"; Filename: "{app}\csconsole.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\csconsole.exe"; Description: "Start csconsole"; Flags: nowait postinstall skipifsilent
