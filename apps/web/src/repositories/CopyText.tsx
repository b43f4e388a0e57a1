/**
 * A command or digest shown in monospace with a copy button. Where the clipboard API is unavailable (a page served
 * over plain HTTP to another host), the button selects the text instead, ready for Ctrl+C.
 */
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { Box, IconButton, Tooltip } from '@mui/material';
import { useRef, useState } from 'react';

export function CopyText({ text, label }: { text: string; label: string }) {
  const ref = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async (event: React.MouseEvent) => {
    // Inside a clickable row: copying must not open the row.
    event.stopPropagation();
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      const node = ref.current;
      const selection = window.getSelection();
      if (node && selection) {
        selection.selectAllChildren(node);
      }
    }
  };
  return (
    <Box
      sx={{
        display: 'inline-flex',
        alignItems: 'center',
        gap: 0.5,
        maxWidth: '100%',
        bgcolor: 'action.hover',
        borderRadius: 1,
        pl: 1,
      }}
    >
      <Box
        component="code"
        ref={ref}
        sx={{ fontSize: '0.8125rem', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
        title={text}
      >
        {text}
      </Box>
      <Tooltip title={copied ? 'Copied' : label}>
        <IconButton size="small" aria-label={label} onClick={copy}>
          <ContentCopyIcon fontSize="inherit" />
        </IconButton>
      </Tooltip>
    </Box>
  );
}
