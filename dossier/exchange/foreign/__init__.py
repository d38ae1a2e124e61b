"""Foreign formats mapped onto the Dossier kinds (each registers itself in `formats.READERS`)."""
