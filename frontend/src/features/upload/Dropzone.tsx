import CloudUploadOutlined from "@mui/icons-material/CloudUploadOutlined";
import { Box, Typography } from "@mui/material";
import { useId, useRef, useState, type DragEvent, type KeyboardEvent } from "react";

export const ACCEPTED_FILES =
  ".csv,.tsv,.txt,.xlsx,.xls,.parquet,.json,.ndjson,.jsonl,.gz,.zst,.bz2,.xz,.zip";

/**
 * A focusable button that opens the file picker (click, Enter or Space) and also
 * takes files dropped on it.
 */
export function Dropzone({
  onFiles,
  disabled = false,
}: {
  onFiles: (files: File[]) => void;
  disabled?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const hintId = useId();

  const open = () => {
    if (!disabled) input.current?.click();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      open();
    }
  };
  const onDragOver = (event: DragEvent) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = disabled ? "none" : "copy";
    setDragging(true);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = Array.from(event.dataTransfer.files);
    if (!disabled && files.length) onFiles(files);
  };

  return (
    <Box
      role="button"
      tabIndex={disabled ? -1 : 0}
      aria-disabled={disabled}
      aria-describedby={hintId}
      aria-label="Choose files to upload"
      data-testid="dropzone"
      data-dragging={dragging}
      onClick={open}
      onKeyDown={onKeyDown}
      onDragEnter={onDragOver}
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      sx={(theme) => ({
        display: "flex",
        flexDirection: "column",
        alignItems: "center",
        gap: 1,
        px: 2,
        py: { xs: 4, sm: 5 },
        textAlign: "center",
        cursor: disabled ? "not-allowed" : "pointer",
        border: 2,
        borderStyle: "dashed",
        borderRadius: 2,
        borderColor: dragging ? "primary.main" : "divider",
        bgcolor: dragging ? "action.hover" : "background.default",
        transition: theme.transitions.create(["border-color", "background-color"]),
        "&:hover": { borderColor: disabled ? "divider" : "primary.light" },
        "&:focus-visible": { outline: `3px solid ${theme.palette.primary.main}`, outlineOffset: 2 },
      })}
    >
      <CloudUploadOutlined
        color={dragging ? "primary" : "action"}
        sx={{ fontSize: 48 }}
        aria-hidden
      />
      <Typography variant="h6" component="span">
        {dragging ? "Drop to add the files" : "Drop files here or choose files"}
      </Typography>
      <Typography id={hintId} variant="body2" color="text.secondary" component="span">
        CSV, JSON Lines, XLSX or Parquet (also TSV and JSON arrays), compressed or not (gzip, zstd,
        bzip2, xz, or a zip holding one table). Several at once is fine. Press Enter to browse.
      </Typography>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPTED_FILES}
        hidden
        data-testid="file-input"
        tabIndex={-1}
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          event.target.value = "";
          if (files.length) onFiles(files);
        }}
      />
    </Box>
  );
}
