// Placeholder until the CSV export is built.
export function ExportCsv() {
  return null;
}
