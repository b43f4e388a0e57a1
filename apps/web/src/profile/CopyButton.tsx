/**
 * Copies a text to the clipboard. The Clipboard API needs a secure context (https or localhost); elsewhere the
 * text is selected in its field instead, for the user to copy with the keyboard.
 */
import CheckIcon from '@mui/icons-material/Check';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { IconButton, Tooltip } from '@mui/material';
import { useState } from 'react';

export function CopyButton({ text, label, fieldId }: { text: string; label: string; fieldId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      const field = fieldId ? document.getElementById(fieldId) : null;
      if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
        field.focus();
        field.select();
      }
    }
  };
  return (
    <Tooltip title={copied ? 'Copied' : label}>
      <IconButton onClick={copy} aria-label={label} size="small">
        {copied ? <CheckIcon fontSize="small" /> : <ContentCopyIcon fontSize="small" />}
      </IconButton>
    </Tooltip>
  );
}
