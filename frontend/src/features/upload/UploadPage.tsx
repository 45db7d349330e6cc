import CloseIcon from "@mui/icons-material/Close";
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  IconButton,
  List,
  ListItem,
  ListItemText,
  Stack,
  Typography,
} from "@mui/material";
import { useRef, useState, type FormEvent } from "react";
import { Link as RouterLink, useSearchParams } from "react-router";
import { EmptyState } from "../../components/States";
import { formatBytes } from "../../format";
import type { IngestOptions } from "../../gql/types";
import { DatasourceField, useDatasourceNameCheck } from "./DatasourceField";
import { Dropzone } from "./Dropzone";
import { IngestOptionsFields, type OptionsState, parseColumnTypes } from "./IngestOptionsFields";
import { UploadRow } from "./UploadRow";
import { useUploads } from "./UploadsProvider";

const isSpreadsheet = (file: File) => /\.xlsx?$/i.test(file.name);
const isDelimited = (file: File) => /\.(csv|tsv|txt)(\.gz)?$/i.test(file.name);

function toIngestOptions(options: OptionsState): IngestOptions {
  return {
    mode: options.mode,
    timestampColumn: options.timestampColumn.trim() || null,
    sheet: options.sheet.trim() || null,
    delimiter: options.delimiter === "\\t" ? "\t" : options.delimiter || null,
    columnTypes: parseColumnTypes(options.columnTypes).types,
  };
}

export function UploadPage() {
  const uploads = useUploads();
  const [files, setFiles] = useState<File[]>([]);
  // "Upload a fixed file" on a task's quarantine links here with both pre-filled.
  const [params] = useSearchParams();
  const [datasource, setDatasource] = useState(params.get("datasource") ?? "");
  const [fixesTask, setFixesTask] = useState(params.get("fixesTask"));
  const [options, setOptions] = useState<OptionsState>({
    mode: "APPEND",
    timestampColumn: "",
    sheet: "",
    delimiter: "",
    columnTypes: "",
  });
  const [submitted, setSubmitted] = useState(false);
  const check = useDatasourceNameCheck(datasource);
  const uploadsSection = useRef<HTMLElement>(null);

  const addFiles = (added: File[]) =>
    setFiles((current) => {
      const known = new Set(current.map((f) => `${f.name}:${f.size}:${f.lastModified}`));
      return [
        ...current,
        ...added.filter((f) => !known.has(`${f.name}:${f.size}:${f.lastModified}`)),
      ];
    });

  const canSubmit =
    files.length > 0 &&
    !check.problem &&
    !check.checking &&
    parseColumnTypes(options.columnTypes).problem === null;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!canSubmit) return;
    uploads.start(files, datasource.trim(), { ...toIngestOptions(options), fixesTask });
    setFiles([]);
    setSubmitted(false);
    // On a narrow screen the list is below the form: bring the new rows into view.
    uploadsSection.current?.scrollIntoView?.({ block: "nearest", behavior: "smooth" });
  };

  return (
    <Stack spacing={3}>
      <Box>
        <Typography variant="h4" component="h1" gutterBottom>
          Upload
        </Typography>
        <Typography color="text.secondary">
          Files are checked, profiled and loaded into Druid. You can follow each one live here or on
          the Tasks page.
        </Typography>
      </Box>

      <Box
        sx={{
          display: "grid",
          gridTemplateColumns: { xs: "minmax(0, 1fr)", md: "minmax(0, 7fr) minmax(0, 5fr)" },
          gap: 3,
          alignItems: "start",
        }}
      >
        <Card component="form" onSubmit={onSubmit} noValidate aria-label="Upload files">
          <CardContent>
            <Stack spacing={3}>
              {fixesTask && (
                <Alert
                  severity="info"
                  data-testid="fixes-task"
                  action={
                    <Button color="inherit" size="small" onClick={() => setFixesTask(null)}>
                      Do not link
                    </Button>
                  }
                >
                  These files fix the quarantined rows of{" "}
                  <RouterLink to={`/tasks/${fixesTask}`}>task {fixesTask.slice(0, 8)}</RouterLink>:
                  they are linked to it. Upload the downloaded file with its rows fixed; its
                  _sluice_ columns are left out.
                </Alert>
              )}
              <Dropzone onFiles={addFiles} />
              {files.length > 0 && (
                <Box>
                  <Typography variant="subtitle2" component="h2">
                    Selected ({files.length})
                  </Typography>
                  <List dense aria-label="Selected files">
                    {files.map((file) => (
                      <ListItem
                        key={`${file.name}:${file.size}:${file.lastModified}`}
                        secondaryAction={
                          <IconButton
                            edge="end"
                            aria-label={`Remove ${file.name}`}
                            onClick={() => setFiles((current) => current.filter((f) => f !== file))}
                          >
                            <CloseIcon />
                          </IconButton>
                        }
                      >
                        <ListItemText
                          primary={file.name}
                          secondary={formatBytes(file.size)}
                          slotProps={{ primary: { sx: { overflowWrap: "anywhere" } } }}
                        />
                      </ListItem>
                    ))}
                  </List>
                </Box>
              )}
              {submitted && files.length === 0 && (
                <Typography color="error" role="alert">
                  Choose at least one file to upload.
                </Typography>
              )}
              <DatasourceField
                value={datasource}
                onChange={setDatasource}
                mode={options.mode}
                check={check}
                showErrors={submitted}
              />
              <IngestOptionsFields
                value={options}
                onChange={setOptions}
                showSheet={files.some(isSpreadsheet)}
                showDelimiter={files.some(isDelimited)}
              />
              <Box>
                <Button type="submit" variant="contained" size="large">
                  {files.length > 1 ? `Upload ${files.length} files` : "Upload"}
                </Button>
              </Box>
            </Stack>
          </CardContent>
        </Card>

        <Box
          component="section"
          aria-labelledby="uploads-heading"
          ref={uploadsSection}
          sx={{ scrollMarginTop: 80 }}
        >
          <Typography id="uploads-heading" variant="h6" component="h2" gutterBottom>
            This session's uploads
          </Typography>
          {uploads.items.length === 0 ? (
            <EmptyState title="Nothing uploaded yet">
              Files you upload appear here with their progress.
            </EmptyState>
          ) : (
            <Card>
              <CardContent sx={{ py: 0, "&:last-child": { pb: 0 } }}>
                <Box component="ul" sx={{ m: 0, p: 0 }} data-testid="uploads">
                  {uploads.items.map((item) => (
                    <UploadRow
                      key={item.key}
                      item={item}
                      onCancel={() => void uploads.cancel(item.key)}
                      onDismiss={() => uploads.dismiss(item.key)}
                    />
                  ))}
                </Box>
              </CardContent>
            </Card>
          )}
        </Box>
      </Box>
    </Stack>
  );
}
