/** What a list or tab shows when it has nothing: a title and one sentence saying why and what to do. */
import InboxIcon from '@mui/icons-material/Inbox';
import { Box, Typography } from '@mui/material';

export function EmptyState({ title, text }: { title: string; text: string }) {
  return (
    <Box sx={{ textAlign: 'center', py: 6, px: 2, color: 'text.secondary' }}>
      <InboxIcon sx={{ fontSize: 48, opacity: 0.5 }} />
      <Typography variant="h6" component="p" sx={{ mt: 1 }}>
        {title}
      </Typography>
      <Typography variant="body2">{text}</Typography>
    </Box>
  );
}
