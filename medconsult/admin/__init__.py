"""The admin as the control room: the site (its index lists what needs action
today), the analytics page and the doctor-stops-practising page. These span
every app, so they live on the top floor."""
