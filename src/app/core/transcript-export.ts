import { TranscriptExportFormat } from './remote-support-gateway';

/** The file name and content type a transcript export is saved under (the gateway's own names). */
export function exportFile(sessionId: string, format: TranscriptExportFormat): { name: string; type: string } {
  return format === 'json'
    ? { name: `transcript-${sessionId}.json`, type: 'application/json' }
    : { name: `transcript-${sessionId}.txt`, type: 'text/plain;charset=utf-8' };
}

/** Offers text to the browser as a file download. */
export function downloadFile(name: string, type: string, content: string, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
