FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# WeasyPrint (PDF letters) needs Pango and HarfBuzz, and a font to draw with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir "setuptools>=69,<81" wheel \
    && pip install --no-cache-dir --no-build-isolation .
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input
RUN useradd --create-home amps && mkdir -p var/files && chown -R amps /app
USER amps
EXPOSE 8000
# Migrations are not run here: compose runs them once, in its `migrate` service, before web
# and the worker start (elsewhere run `python manage.py migrate --no-input` first).
CMD ["gunicorn", "amps_screen.wsgi", "--config", "gunicorn.conf.py"]
