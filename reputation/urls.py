app_name = "reputation"
urlpatterns = []
